// The player UI's entry: zod without eval (strict CSP), Pinia, vue-i18n, then the session.
import { z } from 'zod';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppI18n, saveLocale } from './i18n/index.ts';
import { startSession } from './lib/session.ts';
import './styles/main.css';

z.config({ jitless: true });

const pinia = createPinia();
const i18n = createAppI18n();
saveLocale(i18n.global.locale.value);
const app = createApp(App);
app.use(pinia);
app.use(i18n);
startSession(pinia);
app.mount('#app');
