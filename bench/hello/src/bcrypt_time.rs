//! The bcrypt bound: seconds per verify at a cost (default 12), release build.
//! Prints the mean of `ROUNDS` verifies on one thread.

use std::time::Instant;

fn main() {
    let cost: u32 = std::env::args().nth(1).and_then(|c| c.parse().ok()).unwrap_or(12);
    let rounds: u32 = std::env::args().nth(2).and_then(|r| r.parse().ok()).unwrap_or(10);
    let hash = match bcrypt::hash("correct horse battery staple", cost) {
        Ok(hash) => hash,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    for _ in 0..rounds {
        let _ = bcrypt::verify("correct horse battery staple", &hash);
    }
    println!("{:.6}", start.elapsed().as_secs_f64() / f64::from(rounds));
}
