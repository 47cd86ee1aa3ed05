"""Who may see what (see README.md): `datasets` (which datasets, images and jobs a user may reach at
all) and `blinding` (THE blinding rule: other readers' work, reader identities, reading aids,
similar cases, priors and model overlays). Everything else asks these gatekeepers."""
