// Everything runs in the webview: no server rendering, one fallback page for every route.
export const ssr = false;
export const prerender = false;
