//! The subcommands: argument types and what each one prints.
