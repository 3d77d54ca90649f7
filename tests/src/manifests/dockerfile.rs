//! Just enough of a Dockerfile parser to check what the final image holds:
//! its stages, `ENV`, `COPY`, `RUN`, `USER`, `ENTRYPOINT` and `CMD`.
//!
//! Supported: line continuations (`\`), comment lines (also inside a
//! continuation), `ARG` defaults before the first `FROM` expanded in `FROM`,
//! `ENV KEY=VALUE ...` with unquoted values and the legacy `ENV KEY VALUE`,
//! `COPY [--flag...] SRC... DEST` and exec-form (JSON) `ENTRYPOINT`/`CMD`.
//! Heredocs are not.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};

/// One instruction: its keyword (upper case) and the rest of its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
}

/// One build stage: `FROM image [AS name]` and what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The base image, `ARG` defaults expanded.
    pub from: String,
    /// The `AS` name, if any.
    pub name: Option<String>,
    pub instructions: Vec<Instruction>,
}

/// A `COPY`: where from (`--from=`, `None` for the build context), the
/// sources and the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub from: Option<String>,
    pub sources: Vec<String>,
    pub dest: String,
}

impl Copy {
    /// The paths this COPY creates for file sources: `DEST/basename(SRC)`
    /// when DEST is a directory (ends with `/` or several sources), else
    /// DEST itself. (A directory source puts its *contents* into DEST.)
    #[must_use]
    pub fn file_targets(&self) -> Vec<String> {
        let into_dir = self.dest.ends_with('/') || self.sources.len() > 1;
        self.sources
            .iter()
            .map(|src| {
                if into_dir {
                    let base = src.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
                    format!("{}/{base}", self.dest.trim_end_matches('/'))
                } else {
                    self.dest.clone()
                }
            })
            .collect()
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// Read and parse the file at `path`.
    ///
    /// # Errors
    /// It cannot be read or parsed.
    pub fn read(path: &Path) -> anyhow::Result<Dockerfile> {
        let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        Dockerfile::parse(&text).with_context(|| format!("parse {}", path.display()))
    }

    /// Parse a Dockerfile's text.
    ///
    /// # Errors
    /// An instruction before the first `FROM` other than `ARG`, or no `FROM`.
    pub fn parse(text: &str) -> anyhow::Result<Dockerfile> {
        let mut args = BTreeMap::new();
        let mut stages: Vec<Stage> = Vec::new();
        for line in logical_lines(text) {
            let (keyword, rest) = line.split_once(char::is_whitespace).unwrap_or((line.as_str(), ""));
            let keyword = keyword.to_ascii_uppercase();
            let rest = rest.trim().to_owned();
            if keyword == "FROM" {
                let words: Vec<&str> = rest.split_whitespace().filter(|w| !w.starts_with("--")).collect();
                let image = words.first().with_context(|| format!("FROM without an image: {line}"))?;
                let name = match words.get(1..) {
                    Some([as_, name]) if as_.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
                    Some([]) | None => None,
                    Some(other) => bail!("cannot read FROM {image} {}", other.join(" ")),
                };
                stages.push(Stage { from: expand(image, &args), name, instructions: Vec::new() });
                continue;
            }
            match stages.last_mut() {
                Some(stage) => stage.instructions.push(Instruction { keyword, args: rest }),
                None if keyword == "ARG" => {
                    let (name, default) = rest.split_once('=').unwrap_or((rest.as_str(), ""));
                    args.insert(name.trim().to_owned(), default.trim().to_owned());
                }
                None => bail!("{keyword} before the first FROM"),
            }
        }
        if stages.is_empty() {
            bail!("no FROM");
        }
        Ok(Dockerfile { stages })
    }

    /// The stage that becomes the image (the last one).
    #[must_use]
    pub fn final_stage(&self) -> &Stage {
        // `parse` refuses a file without stages.
        &self.stages[self.stages.len() - 1]
    }

    /// The stage named `name`.
    #[must_use]
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name.as_deref() == Some(name))
    }
}

impl Stage {
    /// The arguments of every instruction `keyword`, in order.
    pub fn all(&self, keyword: &str) -> impl Iterator<Item = &str> {
        self.instructions.iter().filter(move |i| i.keyword == keyword).map(|i| i.args.as_str())
    }

    /// The environment the stage sets (`ENV`), later values winning.
    ///
    /// # Errors
    /// An `ENV` this parser cannot read (quoted values).
    pub fn env(&self) -> anyhow::Result<BTreeMap<String, String>> {
        let mut env = BTreeMap::new();
        for args in self.all("ENV") {
            if args.contains(['"', '\'']) {
                bail!("quoted ENV values are not supported: ENV {args}");
            }
            let words: Vec<&str> = args.split_whitespace().collect();
            match words.first() {
                Some(first) if !first.contains('=') => {
                    env.insert((*first).to_owned(), words[1..].join(" "));
                }
                _ => {
                    for word in words {
                        let (k, v) = word.split_once('=').with_context(|| format!("ENV {args}: {word}"))?;
                        env.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
        }
        Ok(env)
    }

    /// The directories of the stage's `PATH` (empty when it sets none).
    ///
    /// # Errors
    /// See [`Stage::env`].
    pub fn path_dirs(&self) -> anyhow::Result<Vec<String>> {
        Ok(self.env()?.get("PATH").map(|p| p.split(':').map(str::to_owned).collect()).unwrap_or_default())
    }

    /// Every `COPY` of the stage.
    ///
    /// # Errors
    /// A `COPY` with fewer than two paths.
    pub fn copies(&self) -> anyhow::Result<Vec<Copy>> {
        self.all("COPY")
            .map(|args| {
                let words: Vec<String> = if args.starts_with('[') {
                    serde_json::from_str(args).with_context(|| format!("COPY {args}"))?
                } else {
                    args.split_whitespace().map(str::to_owned).collect()
                };
                let from = words.iter().find_map(|w| w.strip_prefix("--from=")).map(str::to_owned);
                let mut paths: Vec<String> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
                let dest = paths.pop().with_context(|| format!("COPY without paths: {args}"))?;
                if paths.is_empty() {
                    bail!("COPY without a source: {args}");
                }
                Ok(Copy { from, sources: paths, dest })
            })
            .collect()
    }

    /// Whether a `COPY` of this stage puts a file at the absolute `path`.
    ///
    /// # Errors
    /// See [`Stage::copies`].
    pub fn has_file(&self, path: &str) -> anyhow::Result<bool> {
        Ok(self.copies()?.iter().any(|c| c.file_targets().iter().any(|t| t == path)))
    }

    /// Where a container command resolves in the image: an absolute path
    /// that a `COPY` installs, or a bare name installed in a `PATH`
    /// directory of the stage (the first one, as `execve` lookups go).
    ///
    /// # Errors
    /// See [`Stage::copies`] and [`Stage::env`].
    pub fn resolve_command(&self, command: &str) -> anyhow::Result<Option<String>> {
        if command.starts_with('/') {
            return Ok(self.has_file(command)?.then(|| command.to_owned()));
        }
        if command.contains('/') {
            return Ok(None);
        }
        for dir in self.path_dirs()? {
            let candidate = format!("{}/{command}", dir.trim_end_matches('/'));
            if self.has_file(&candidate)? {
                return Ok(Some(candidate));
            }
        }
        Ok(None)
    }

    /// The exec-form (JSON array) value of the last `keyword` (`ENTRYPOINT`,
    /// `CMD`).
    ///
    /// # Errors
    /// It is in shell form.
    pub fn exec_form(&self, keyword: &str) -> anyhow::Result<Option<Vec<String>>> {
        let Some(args) = self.all(keyword).last() else { return Ok(None) };
        let words: Vec<String> =
            serde_json::from_str(args).with_context(|| format!("{keyword} {args} is not in exec (JSON) form"))?;
        Ok(Some(words))
    }

    /// The last `USER`.
    #[must_use]
    pub fn user(&self) -> Option<&str> {
        self.all("USER").last()
    }
}

/// The instructions of `text`, one per string: continuations joined,
/// comment and blank lines dropped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head.trim_end());
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let line = std::mem::take(&mut current).trim().to_owned();
        if !line.is_empty() {
            lines.push(line);
        }
    }
    let rest = current.trim();
    if !rest.is_empty() {
        lines.push(rest.to_owned());
    }
    lines
}

/// `${NAME}` and `$NAME` replaced by the `ARG` defaults.
fn expand(word: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = word.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("${{{name}}}"), value).replace(&format!("${name}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# syntax=docker/dockerfile:1
ARG BASE=debian:12
FROM rust:1 AS build
RUN cargo build \
    # a comment inside a continuation
    --bin app
FROM ${BASE}
ENV PATH=/usr/local/bin:/bin \
    APP_DIR=/srv
ENV LEGACY some value
COPY --from=build /out/app /out/tool /usr/local/bin/
COPY web/ /srv/web/
COPY config.toml /etc/app.toml
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/app"]
CMD ["--help"]
"#;

    #[test]
    fn reads_stages_env_copies_and_entrypoint() {
        let d = Dockerfile::parse(SAMPLE).expect("parse");
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stage("build").map(|s| s.from.as_str()), Some("rust:1"));
        assert_eq!(d.stage("build").and_then(|s| s.all("RUN").next()), Some("cargo build --bin app"));
        let image = d.final_stage();
        assert_eq!(image.from, "debian:12", "ARG default expanded");
        let env = image.env().expect("env");
        assert_eq!(env["APP_DIR"], "/srv");
        assert_eq!(env["LEGACY"], "some value");
        assert_eq!(image.path_dirs().expect("path"), ["/usr/local/bin", "/bin"]);
        let copies = image.copies().expect("copies");
        assert_eq!(copies[0].from.as_deref(), Some("build"));
        assert_eq!(copies[0].file_targets(), ["/usr/local/bin/app", "/usr/local/bin/tool"]);
        assert_eq!(copies[1].from, None);
        assert_eq!(copies[2].file_targets(), ["/etc/app.toml"]);
        assert_eq!(image.resolve_command("tool").expect("resolve").as_deref(), Some("/usr/local/bin/tool"));
        assert_eq!(
            image.resolve_command("/usr/local/bin/app").expect("resolve").as_deref(),
            Some("/usr/local/bin/app")
        );
        assert_eq!(image.resolve_command("missing").expect("resolve"), None);
        assert_eq!(image.resolve_command("/bin/app").expect("resolve"), None);
        assert_eq!(image.exec_form("ENTRYPOINT").expect("entrypoint"), Some(vec!["/usr/local/bin/app".to_owned()]));
        assert_eq!(image.exec_form("CMD").expect("cmd"), Some(vec!["--help".to_owned()]));
        assert_eq!(image.user(), Some("1000:1000"));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(Dockerfile::parse("RUN true\n").is_err(), "an instruction before FROM");
        assert!(Dockerfile::parse("# nothing\n").is_err(), "no FROM");
        let d = Dockerfile::parse("FROM x\nENTRYPOINT app --flag\n").expect("parse");
        assert!(d.final_stage().exec_form("ENTRYPOINT").is_err(), "shell form");
        let d = Dockerfile::parse("FROM x\nENV A=\"b c\"\n").expect("parse");
        assert!(d.final_stage().env().is_err(), "quoted value");
    }
}
