// Words that give away the other language in the match log and banners (player chat excluded).
import type { Page } from '@playwright/test';

export const PORTUGUESE = /\b(jogou|venceu|vence|rodada|vez de|partida|mãos|pronta|espadas|copas|ouros|paus|servidor|você|desistiu|empate|sua vez|dragão|sereia|águia|fênix|lobo|tigre|leão|guerreiro|mago|anjo|demônio|cavaleiro|arqueiro|bárbaro|paladino)\b/i;
export const ENGLISH = /\b(played|won|wins|trick|turn|match|hands|ready|spades|hearts|diamonds|clubs|server|you|conceded|draw|dragon|mermaid|eagle|phoenix|wolf|tiger|lion|warrior|mage|angel|demon|knight|archer|barbarian|paladin)\b/i;

/** The texts of the timeline (without chat) and of the failover banner, if shown. */
export async function narratedTexts(page: Page): Promise<string[]> {
  const entries = await page.locator('[data-testid="timeline-entry"]:not([data-kind="chat"])').allTextContents();
  const banner = await page.getByTestId('failover-banner').allTextContents();
  const turn = await page.getByTestId('turn-indicator').allTextContents();
  return [...entries, ...banner, ...turn].map((t) => t.replace(/\d\d:\d\d:\d\d/, '').trim()).filter(Boolean);
}
