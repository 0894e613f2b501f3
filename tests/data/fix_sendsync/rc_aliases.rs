//! `rc_to_arc`: an `Rc` shared under a second name (`Rc::clone`) and counted with
//! `Rc::strong_count`: every one of them becomes `Arc`'s.
use std::rc::Rc;

async fn pause() {
    tokio::task::yield_now().await;
}

fn spawn_counter() {
    tokio::spawn(async move {
        let names = Rc::new(vec![String::from("ada")]);
        let again = Rc::clone(&names);
        pause().await;
        println!("{} {} {}", names.len(), again.len(), Rc::strong_count(&names));
    });
}

#[tokio::main]
async fn main() {
    spawn_counter();
}
