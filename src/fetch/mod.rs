//! HTTP fetching: the only module that talks to reqwest.
