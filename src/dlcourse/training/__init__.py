"""Running experiments: one config, one framework, one run folder."""
