//! `release_guard_before_await`: a guard not used after the `.await`, a temporary guard and a
//! `let` guard whose call awaits in an argument, and temporaries in a `match` / `if let`
//! scrutinee.
use std::sync::{Arc, Mutex};

async fn fetch_price(id: u32) -> u32 {
    tokio::task::yield_now().await;
    id
}

async fn pause() {
    tokio::task::yield_now().await;
}

fn scoped(prices: Arc<Mutex<Vec<u32>>>) {
    tokio::spawn(async move {
        let mut cache = prices.lock().unwrap();
        cache.push(1);
        pause().await;
    });
}

fn hoisted(prices: Arc<Mutex<Vec<u32>>>) {
    tokio::spawn(async move {
        prices.lock().unwrap().push(fetch_price(1).await);
    });
}

fn hoisted_let(prices: Arc<Mutex<Vec<u32>>>) {
    tokio::spawn(async move {
        let mut cache = prices.lock().unwrap();
        cache.push(fetch_price(2).await);
    });
}

fn scrutinee(prices: Arc<Mutex<Vec<u32>>>) {
    tokio::spawn(async move {
        match prices.lock().unwrap().len() {
            0 => pause().await,
            _ => {}
        }
    });
}

fn if_let(prices: Arc<Mutex<Vec<u32>>>) {
    tokio::spawn(async move {
        if let Some(price) = prices.lock().unwrap().first().copied() {
            pause().await;
            println!("{price}");
        }
    });
}

#[tokio::main]
async fn main() {
    let prices = Arc::new(Mutex::new(Vec::new()));
    scoped(prices.clone());
    hoisted(prices.clone());
    hoisted_let(prices.clone());
    scrutinee(prices.clone());
    if_let(prices);
}
