fn main() {
    println!("livematch: under construction");
}
