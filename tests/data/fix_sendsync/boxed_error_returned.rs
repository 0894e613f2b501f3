//! `box_dyn_error_send_sync` for `non_send_returned_from_spawn`: a spawned task returns the
//! `Result<_, Box<dyn Error>>` of a function, directly and from an async block.
use std::error::Error;

async fn load_profile(user_id: u32) -> Result<String, Box<dyn Error>> {
    if user_id == 0 {
        return Err("no such user".into());
    }
    Ok(format!("user-{user_id}"))
}

fn spawn_block() {
    let handle = tokio::spawn(async move { load_profile(1).await });
    drop(handle);
}

fn spawn_fn() {
    let handle = tokio::spawn(load_profile(2));
    drop(handle);
}

#[tokio::main]
async fn main() {
    spawn_block();
    spawn_fn();
}
