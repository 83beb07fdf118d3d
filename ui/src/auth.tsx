import { createContext, useContext } from "react";
import type { Me } from "./types";

export interface Auth { me: Me; logout: () => Promise<void> }
export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const a = useContext(AuthContext);
  if (!a) throw new Error("useAuth outside AuthContext");
  return a;
}

export const canOperate = (me: Me) => me.role === "operator" || me.role === "admin";
export const isAdmin = (me: Me) => me.role === "admin";
