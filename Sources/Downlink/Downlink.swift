// Downlink module.
