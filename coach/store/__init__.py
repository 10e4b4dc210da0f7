"""The therapist side's storage: patients, sessions derived from logs, prescriptions, reports.

Modules, one job each: `database` (open, create, migrate), `models` (tables),
`accounts` (patients, therapists, passwords, who may see whom), `importer`
(session logs into rows; rebuild), `queries` (what the pages show, as typed
dataclasses), `prescriptions` (the plan file), `charts` and `reports` (CSV, PDF).
"""
