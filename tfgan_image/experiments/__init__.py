"""absl entry points, one module per experiment: flags -> frozen config -> library run()."""
