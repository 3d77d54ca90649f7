// Runs before first paint (classic script in <head>): apply the saved
// colour theme so a dark-mode viewer never sees a white flash.
(function () {
  try {
    var t = localStorage.getItem('livematch.theme');
    if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  } catch (e) {
    /* storage blocked: follow the system */
  }
})();
