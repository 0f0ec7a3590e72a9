import { request, settingsFromBuild } from './gateway.js';
import { graphql } from './gql/index.js';

const PageConfig = graphql(`
  query PageConfig($appId: ID!, $url: String!) {
    jsSdkConfig(appId: $appId, url: $url) {
      appId
      timestamp
      nonceStr
      signature
      url
    }
  }
`);

// tokenStatus without accessToken: any valid key may read the state, none in a page may read the token.
const TokenState = graphql(`
  query TokenState($appId: ID!) {
    tokenStatus(appId: $appId) {
      state
      obtainedAt
      expiresAt
    }
  }
`);

function show(id: string, text: string): void {
  const element = document.getElementById(id);
  if (element) element.textContent = text;
}

async function main(): Promise<void> {
  const settings = settingsFromBuild();
  const loadState = async () => {
    const { tokenStatus } = await request(settings, TokenState, { appId: settings.appId });
    show('state', tokenStatus.state);
    show('obtainedAt', tokenStatus.obtainedAt ?? '—');
    show('expiresAt', tokenStatus.expiresAt ?? '—');
  };
  document.getElementById('refresh')?.addEventListener('click', () => {
    loadState().catch(report);
  });
  // WeChat signs the page's URL without its fragment; the gateway cuts it off as well.
  const { jsSdkConfig } = await request(settings, PageConfig, {
    appId: settings.appId,
    url: location.href.split('#')[0] ?? location.href,
  });
  show('appId', jsSdkConfig.appId);
  show('timestamp', String(jsSdkConfig.timestamp));
  show('nonceStr', jsSdkConfig.nonceStr);
  show('signature', jsSdkConfig.signature);
  show('url', jsSdkConfig.url);
  // In WeChat: wx.config({ ...jsSdkConfig, jsApiList: ['updateAppMessageShareData'] }).
  await loadState();
}

function report(error: unknown): void {
  show(
    'error',
    `The gateway could not be reached or refused: ${error instanceof Error ? error.message : String(error)}`,
  );
}

main().catch(report);
