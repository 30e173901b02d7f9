//! The read-only web UI, JSON API, Atom feeds and Memento endpoints (issue 5).
