//! `box_dyn_error_send_sync`: the error type is written once, in a type alias.
use std::error::Error;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

async fn pause() {
    tokio::task::yield_now().await;
}

async fn load_profile(user_id: u64) -> Result<String> {
    if user_id == 0 {
        return Err(format!("no user {user_id}").into());
    }
    Ok(format!("user-{user_id}"))
}

fn spawn_loader() {
    tokio::spawn(async move {
        if let Err(err) = load_profile(7).await {
            pause().await;
            eprintln!("retrying after: {err}");
        }
    });
}

#[tokio::main]
async fn main() {
    spawn_loader();
}
