import { WeChatService } from './wechat-service.js';

/**
 * `WXGW_URL=… WXGW_KEY=… WXGW_APP_ID=… WECHAT_API_BASE=… node --import tsx examples/node-client/src/main.ts`:
 * prints WeChat's callback addresses every 10 s, re-reading the token whenever the gateway announces a change.
 */
const { WXGW_URL, WXGW_KEY, WXGW_APP_ID, WECHAT_API_BASE } = process.env;
if (!WXGW_URL || !WXGW_KEY || !WXGW_APP_ID || !WECHAT_API_BASE) {
  process.stderr.write(
    'Set WXGW_URL, WXGW_KEY (token:read+token:refresh), WXGW_APP_ID and WECHAT_API_BASE.\n',
  );
  process.exit(1);
}
const service = new WeChatService({
  gateway: { url: WXGW_URL, key: WXGW_KEY },
  appId: WXGW_APP_ID,
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
