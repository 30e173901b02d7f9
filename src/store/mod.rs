//! The sled-backed history of articles, versions, checks and raw bodies: the only sled user.
