// Localization module.
