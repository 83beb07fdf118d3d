// Light and dark: follows prefers-color-scheme unless the user picks one (stored in localStorage).
export type Theme = "system" | "light" | "dark";
const KEY = "tidegate.theme";

export function storedTheme(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch { return "system"; }
}

export function applyTheme(theme: Theme) {
  const root = document.documentElement;
  if (theme === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", theme);
  try {
    if (theme === "system") localStorage.removeItem(KEY); else localStorage.setItem(KEY, theme);
  } catch { /* ignore */ }
}

export function initTheme() { applyTheme(storedTheme()); }
