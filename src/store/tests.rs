//! Unit tests needing store internals: corrupt records written straight into a tree.
