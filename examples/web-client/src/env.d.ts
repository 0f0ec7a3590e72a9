/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_GATEWAY_URL?: string;
  readonly VITE_GATEWAY_KEY?: string;
  readonly VITE_APP_ID?: string;
}
