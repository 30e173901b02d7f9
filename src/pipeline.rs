//! One check of one URL: fetch, extract, compare with the last version, store.
