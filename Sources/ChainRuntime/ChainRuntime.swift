// ChainRuntime module.
