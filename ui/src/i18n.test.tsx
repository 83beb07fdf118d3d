import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { I18nProvider, detectLanguage, translate, useI18n } from "./i18n";
import { LanguageSwitch } from "./App";

function Heading() {
  const { t } = useI18n();
  return <h1>{t("overview.title")}</h1>;
}

const app = () => render(<I18nProvider><MemoryRouter><LanguageSwitch /><Heading /></MemoryRouter></I18nProvider>);

describe("i18n", () => {
  it("follows the browser language until the user picks one, and keeps the pick", () => {
    const langs = Object.getOwnPropertyDescriptor(Navigator.prototype, "languages");
    Object.defineProperty(navigator, "languages", { configurable: true, get: () => ["de-DE", "en"] });
    try {
      const { unmount } = app();
      expect(screen.getByRole("heading").textContent).toBe("Übersicht");
      expect(document.documentElement.lang).toBe("de");

      fireEvent.change(screen.getByLabelText("Sprache"), { target: { value: "en" } });
      expect(screen.getByRole("heading").textContent).toBe("Overview");
      expect(localStorage.getItem("tidegate.lang")).toBe("en");
      unmount();

      app(); // a new visit: the stored choice wins over the browser's German
      expect(screen.getByRole("heading").textContent).toBe("Overview");
      expect(detectLanguage()).toBe("en");
    } finally {
      delete (navigator as unknown as Record<string, unknown>).languages;
      if (langs) Object.defineProperty(Navigator.prototype, "languages", langs);
    }
  });

  it("falls back to English for other languages and fills placeholders", () => {
    Object.defineProperty(navigator, "languages", { configurable: true, get: () => ["fr-FR"] });
    try {
      expect(detectLanguage()).toBe("en");
    } finally {
      delete (navigator as unknown as Record<string, unknown>).languages;
    }
    expect(translate("de", "upgrade.available", { from: "1.0.0", to: "2.0.0" })).toBe("Upgrade verfügbar: 1.0.0 → 2.0.0");
    expect(translate("en", "progress.services", { done: 1, total: 3 })).toBe("Services 1/3");
  });
});
