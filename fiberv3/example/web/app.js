// The JavaScript side of CSRF: read the value from the readable csrf_token
// cookie and send it in the X-CSRF-Token header of every unsafe request.
"use strict";

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrf_token=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

async function countClick(withHeader) {
  const out = document.getElementById("clicks");
  const headers = { "Accept": "application/json" };
  if (withHeader) headers["X-CSRF-Token"] = csrfToken();
  const resp = await fetch("/api/clicks", { method: "POST", headers, credentials: "same-origin" });
  const body = await resp.json();
  out.classList.toggle("error", !resp.ok);
  out.textContent = resp.ok
    ? `Clicks so far: ${body.clicks}`
    : `Refused with ${resp.status}: ${body.error}`;
  out.dataset.status = String(resp.status);
}

document.getElementById("click").addEventListener("click", () => countClick(true));
document.getElementById("click-nocsrf").addEventListener("click", () => countClick(false));

// A page restored from the back/forward cache was never asked of the
// server: after a logout it would show what the user signed out of. Ask
// again, so the server decides (Cache-Control: no-store keeps it out of
// the HTTP cache too).
window.addEventListener("pageshow", (e) => {
  if (e.persisted) location.reload();
});
