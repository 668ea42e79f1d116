"""Past one machine: workers that take jobs from a shared PostgreSQL job store, and the folder
dispatch of `summarize --queue` / `export --queue`.

The queue is the store's own `jobs` table: a worker claims the oldest queued job with
`SELECT … FOR UPDATE SKIP LOCKED` under a lease it renews (`WorkerStore` in `api/stores.py`), so a
submission and its place in the queue are one row written in one transaction. README, "Past one
machine", says why this was chosen over a task-queue library, with the measurements.
"""
