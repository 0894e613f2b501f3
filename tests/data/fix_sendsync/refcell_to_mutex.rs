//! `refcell_to_mutex`: an `Rc<RefCell<…>>` shared with a spawned task and borrowed only in
//! statements without an `.await`.
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

async fn pause() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

fn spawn_counter() {
    let hits = Rc::new(RefCell::new(0u32));
    let mine = hits.clone();
    tokio::spawn(async move {
        *mine.borrow_mut() += 1;
        pause().await;
        println!("hits: {}", mine.borrow());
    });
    println!("before: {}", hits.borrow());
}

#[tokio::main]
async fn main() {
    spawn_counter();
}
