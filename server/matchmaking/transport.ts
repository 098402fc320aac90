// The matchmaking endpoints of a peer over JWT'd keep-alive REST; answers are validated,
// so a malformed offer is an error (and its reservation, if any, simply expires).
import {
  ConfirmarPartidaResponse,
  SolicitarOponenteResponse,
  type ConfirmarPartidaBody,
  type SolicitarOponenteBody,
} from '../../protocol/rest.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { PeerTransport } from './matchmaker.ts';

export class HttpPeerTransport implements PeerTransport {
  constructor(
    private readonly client: PeerClient,
    private readonly addressOf: (id: string) => string | undefined,
    private readonly timeoutMs = 1500,
  ) {}

  async solicitar(peer: string, body: SolicitarOponenteBody): Promise<SolicitarOponenteResponse> {
    const raw = await this.client.post<unknown>(this.address(peer), '/matchmaking/solicitar_oponente', body, { timeoutMs: this.timeoutMs });
    return SolicitarOponenteResponse.parse(raw);
  }

  async confirmar(peer: string, body: ConfirmarPartidaBody): Promise<ConfirmarPartidaResponse> {
    const raw = await this.client.post<unknown>(this.address(peer), '/matchmaking/confirmar_partida', body, { timeoutMs: this.timeoutMs });
    return ConfirmarPartidaResponse.parse(raw);
  }

  private address(peer: string): string {
    const a = this.addressOf(peer);
    if (!a) throw new Error(`no address known for peer ${peer}`);
    return a;
  }
}
