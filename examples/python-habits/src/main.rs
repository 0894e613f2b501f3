//! A tiny "profile service" written the way an asyncio developer might write it on day one.
//!
//! It does NOT compile, on purpose: every function below carries one classic asyncio habit
//! that Rust rejects. Run `cargo explain-async --manifest-path examples/python-habits/Cargo.toml`
//! from the repository root to see each compiler error explained in asyncio terms.
//!
//! Expected with rustc 1.95 (6 errors, none hides another):
//! - E0728 `.await` in a sync fn                      (`load_profile_blocking`)
//! - E0308 un-awaited future used as its value        (`greeting_for`)
//! - E0609 field read from an un-awaited future       (`display_name_of`)
//! - E0373 async block borrows a local, no `move`     (`notify_followers`)
//! - "future cannot be sent between threads safely"   (`start_cache_warmer`, `Rc` across await)
//! - "future cannot be sent between threads safely"   (`start_rate_limiter`, std `MutexGuard`)
//!
//! And one habit rustc accepts, caught by explain-async's own source checks:
//! - `std::thread::sleep` inside an async fn blocks the worker thread (`poll_for_updates`)
//!
//! Not shown: a bare `record_audit_event("login");` statement (forgotten `.await`) triggers
//! the `unused_must_use` warning only when the crate has no errors, because rustc runs lints
//! after type and borrow checking succeed. Python-style `await fetch()` is a parse error and
//! would hide everything else.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
struct Profile {
    user_id: u64,
    display_name: String,
}

async fn fetch_profile(user_id: u64) -> Profile {
    tokio::time::sleep(Duration::from_millis(20)).await;
    Profile { user_id, display_name: format!("user-{user_id}") }
}

// Habit 1: a non-thread-safe cache kept alive across an await in a background task.
//
//     async def warm_cache():
//         session_cache = {}
//         profile = await fetch_profile(1)
//         print(len(session_cache), profile.user_id)
//
//     asyncio.create_task(warm_cache())
fn start_cache_warmer() {
    tokio::spawn(async move {
        let session_cache = Rc::new(HashMap::<u64, Profile>::new());
        let profile = fetch_profile(1).await;
        println!("{} cached, warmed {}", session_cache.len(), profile.user_id);
    });
}

// Habit 2: calling a coroutine and using the result as if it were the value.
//
//     async def greeting_for(user_id):
//         profile = fetch_profile(user_id)      # forgot `await`: a coroutine object
//         return f"hi {profile.display_name}"
async fn greeting_for(user_id: u64) -> String {
    let profile: Profile = fetch_profile(user_id);
    format!("hi {}", profile.display_name)
}

// Habit 3: reading an attribute straight off the coroutine.
//
//     async def display_name_of(user_id):
//         return fetch_profile(user_id).display_name
//         # AttributeError: 'coroutine' object has no attribute 'display_name'
async fn display_name_of(user_id: u64) -> String {
    fetch_profile(user_id).display_name
}

// Habit 4: a background task that reads a local list, like a Python closure would.
//
//     async def notify_followers():
//         follower_ids = [2, 3, 5]
//         async def send():
//             for follower_id in follower_ids:
//                 print(f"notify {follower_id}")
//         await asyncio.create_task(send())
async fn notify_followers() {
    let follower_ids = vec![2u64, 3, 5];
    let task = tokio::spawn(async {
        for follower_id in &follower_ids {
            println!("notify {follower_id}");
        }
    });
    task.await.unwrap();
}

// Habit 5: awaiting inside a plain function.
//
//     def load_profile_blocking(user_id):
//         return await fetch_profile(user_id)
//         # SyntaxError: 'await' outside async function
fn load_profile_blocking(user_id: u64) -> Profile {
    fetch_profile(user_id).await
}

// Habit 6: holding a threading lock while awaiting.
//
//     request_counts_lock = threading.Lock()
//     async def rate_limit():
//         with request_counts_lock:
//             request_counts[1] = request_counts.get(1, 0) + 1
//             await asyncio.sleep(1)
//             request_counts.clear()
fn start_rate_limiter(request_counts: Arc<Mutex<HashMap<u64, u32>>>) {
    tokio::spawn(async move {
        let mut counts = request_counts.lock().unwrap();
        *counts.entry(1).or_insert(0) += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
        counts.clear();
    });
}

// Habit 7: a blocking sleep inside async code. It compiles, but it stalls the whole worker
// thread, like `time.sleep(1)` inside a coroutine stalls the asyncio event loop.
//
//     async def poll_for_updates():
//         time.sleep(1)
//         return await fetch_profile(1)
async fn poll_for_updates() -> Profile {
    std::thread::sleep(Duration::from_secs(1));
    fetch_profile(1).await
}

#[tokio::main]
async fn main() {
    start_cache_warmer();
    println!("{}", greeting_for(7).await);
    println!("{}", display_name_of(7).await);
    notify_followers().await;
    println!("{:?}", load_profile_blocking(7));
    start_rate_limiter(Arc::new(Mutex::new(HashMap::new())));
    println!("{:?}", poll_for_updates().await);
}
