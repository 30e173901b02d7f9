//! Politeness: robots.txt rules, per-host rate limits and Retry-After back-off.
