// Behaviour for the webhooks pages: CSP-safe (no inline script), loaded on every page.
"use strict";
