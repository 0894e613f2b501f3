//! `box_dyn_error_send_sync`: the error is passed on with `?` through another function and
//! `main`, which change with it.
use std::error::Error;

async fn pause() {
    tokio::task::yield_now().await;
}

async fn load_profile(user_id: u64) -> Result<String, Box<dyn Error>> {
    if user_id == 0 {
        return Err("no such user".into());
    }
    Ok(format!("user-{user_id}"))
}

async fn greeting(user_id: u64) -> Result<String, Box<dyn Error>> {
    let profile = load_profile(user_id).await?;
    Ok(format!("hello {profile}"))
}

fn spawn_loader() {
    tokio::spawn(async move {
        match greeting(7).await {
            Ok(g) => println!("{g}"),
            Err(err) => {
                pause().await;
                eprintln!("retrying after: {err}");
            }
        }
    });
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    spawn_loader();
    println!("{}", greeting(1).await?);
    Ok(())
}
