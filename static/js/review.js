// Behaviour for the review pages: CSP-safe (no inline script), loaded on every page.
"use strict";
