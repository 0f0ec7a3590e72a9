import { WeChatService } from './wechat-service.js';

/**
 * `GATEWAY_URL=… GATEWAY_KEY=… APP_ID=… WECHAT_API_BASE=… node --import tsx examples/node-client/src/main.ts`:
 * prints WeChat's callback addresses every 10 s, re-reading the token whenever the gateway announces a change.
 */
const { GATEWAY_URL, GATEWAY_KEY, APP_ID, WECHAT_API_BASE } = process.env;
if (!GATEWAY_URL || !GATEWAY_KEY || !APP_ID || !WECHAT_API_BASE) {
  process.stderr.write(
    'Set GATEWAY_URL, GATEWAY_KEY (token:read+token:refresh), APP_ID and WECHAT_API_BASE.\n',
  );
  process.exit(1);
}
const service = new WeChatService({
  gateway: { url: GATEWAY_URL, key: GATEWAY_KEY },
  appId: APP_ID,
  wechatBase: WECHAT_API_BASE,
});
service
  .follow((type) => process.stdout.write(`token ${type.toLowerCase()}: re-reading it\n`))
  .catch((error) => {
    process.stderr.write(`token events stopped: ${error}\n`);
  });
const tick = async () => process.stdout.write(`callback IPs: ${(await service.callbackIps()).join(', ')}\n`);
await tick();
setInterval(() => tick().catch((error) => process.stderr.write(`${error}\n`)), 10_000);
process.on('SIGINT', () => {
  service.stop();
  process.exit(0);
});
