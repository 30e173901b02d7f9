//! The long-running crawler: discovery, schedule and re-checks (issue 4).
