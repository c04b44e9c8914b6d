//! Long-lived evaluation threads with deep stacks, fed by a channel.

use crate::error::MapError;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// Stack of an evaluation thread: deep enough for the step budget's recursion.
const EVAL_STACK_BYTES: usize = 2 << 30;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of evaluation threads; they stop when the pool is dropped.
pub(crate) struct Pool {
    jobs: Sender<Job>,
    threads: usize,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.threads)
            .finish()
    }
}

impl Pool {
    /// Starts `threads` evaluation threads (at least one).
    pub fn start(threads: usize) -> Result<Self, MapError> {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name("mapping".into())
                .stack_size(EVAL_STACK_BYTES)
                .spawn(move || work(&queue))
                // Dropping `jobs` on the way out stops the threads already started.
                .map_err(|e| MapError::ThreadStart(e.to_string()))?;
        }
        Ok(Pool { jobs, threads })
    }

    /// How many threads the pool runs.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs every task on the pool's threads and returns their results in order, or the
    /// first failure.
    pub fn run<T: Send + 'static>(
        &self,
        tasks: Vec<Box<dyn FnOnce() -> T + Send>>,
    ) -> Result<Vec<T>, MapError> {
        let count = tasks.len();
        let (done, results) = mpsc::channel();
        for (i, task) in tasks.into_iter().enumerate() {
            let done = done.clone();
            let job: Job = Box::new(move || {
                let result = panic::catch_unwind(AssertUnwindSafe(task)).map_err(panic_message);
                // The caller stops listening after a failure.
                let _ = done.send((i, result));
            });
            self.jobs.send(job).map_err(|_| MapError::Stopped)?;
        }
        drop(done);
        let mut out: Vec<Option<T>> = std::iter::repeat_with(|| None).take(count).collect();
        for _ in 0..count {
            let (i, result) = results.recv().map_err(|_| MapError::Stopped)?;
            out[i] = Some(result.map_err(MapError::Panicked)?);
        }
        Ok(out.into_iter().flatten().collect())
    }
}

/// Runs jobs until the pool is dropped.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Task = Box<dyn FnOnce() -> usize + Send>;

    #[test]
    fn results_come_back_in_task_order_on_reused_threads() {
        let pool = Pool::start(2).unwrap();
        for round in 0..3 {
            let tasks: Vec<Task> = (0..5)
                .map(|i| Box::new(move || i * 10 + round) as Task)
                .collect();
            let expected: Vec<usize> = (0..5).map(|i| i * 10 + round).collect();
            assert_eq!(pool.run(tasks).unwrap(), expected);
        }
    }

    #[test]
    fn a_panicking_task_fails_the_run_and_the_pool_keeps_working() {
        let pool = Pool::start(1).unwrap();
        let tasks: Vec<Task> = vec![Box::new(|| 1), Box::new(|| panic!("boom"))];
        assert_eq!(pool.run(tasks), Err(MapError::Panicked("boom".into())));
        let tasks: Vec<Task> = vec![Box::new(|| 2)];
        assert_eq!(pool.run(tasks).unwrap(), vec![2]);
    }
}
