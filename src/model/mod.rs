//! GObject models.
