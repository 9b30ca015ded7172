// The sign-in page: POST /api/session, then on to the board (or the page asked for).
const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const button = document.getElementById("sign-in");
  button.disabled = true;
  try {
    const answer = await fetch("/api/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        username: document.getElementById("username").value,
        password: document.getElementById("password").value,
      }),
      credentials: "same-origin",
    });
    if (answer.ok) {
      const next = new URLSearchParams(location.search).get("next");
      location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : "/");
      return;
    }
    if (answer.status === 429) {
      const wait = answer.headers.get("Retry-After");
      error.textContent = `Zu viele Fehlversuche. Bitte in ${Math.ceil(Number(wait) / 60)} Minuten erneut versuchen.`;
    } else if (answer.status === 401) {
      error.textContent = "Benutzer oder Passwort falsch.";
    } else {
      error.textContent = `Anmeldung nicht möglich (${answer.status}).`;
    }
  } catch {
    error.textContent = "Die Konsole ist nicht erreichbar.";
  } finally {
    button.disabled = false;
  }
});
