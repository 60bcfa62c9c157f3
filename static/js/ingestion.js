// Behaviour for the ingestion pages: CSP-safe (no inline script), loaded on every page.
"use strict";
