import { Injectable } from '@nestjs/common';
import { CareTeamDto, type CareTeamView, ID_PATTERN, validateDto } from '@vigil/contracts';
import { ProblemException } from '@vigil/http';
import { type CareTeamRecord, CareTeamsRepository } from '@vigil/storage';
import type { Caller } from '../common/caller';

export function toTeamView(t: CareTeamRecord): CareTeamView {
  return { teamId: t.teamId, name: t.name, registeredAt: t.registeredAt.toISOString(), updatedAt: t.updatedAt.toISOString() };
}

/**
 * The organisation's care teams. Membership comes from the identity provider (the token's `teams`);
 * this registry says which team ids exist in the organisation, so a patient is enrolled only into a
 * real team. A care-admin registers (or renames) a team they hold; anyone of the organisation's
 * care staff lists them.
 */
@Injectable()
export class CareTeamsService {
  constructor(private readonly teams: CareTeamsRepository) {}

  async register(caller: Caller, teamId: string, body: unknown): Promise<{ created: boolean; team: CareTeamView }> {
    if (!ID_PATTERN.test(teamId)) {
      throw ProblemException.of('validation', 'invalid team id', { errors: [{ path: 'teamId', message: 'must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }] });
    }
    if (!caller.teams.has(teamId)) throw ProblemException.of('forbidden', 'you may register only a care team your token holds');
    const result = validateDto(CareTeamDto, body ?? {});
    if (!result.ok) throw ProblemException.of('validation', 'invalid care team', { errors: result.errors });
    const existing = await this.teams.get(caller.tenantId, teamId);
    if (existing && existing.name === result.value.name) return { created: false, team: toTeamView(existing) };
    const now = new Date();
    const team: CareTeamRecord = {
      tenantId: caller.tenantId,
      teamId,
      name: result.value.name,
      registeredBy: existing?.registeredBy ?? caller.sub,
      registeredAt: existing?.registeredAt ?? now,
      updatedAt: now,
    };
    await this.teams.upsert(team);
    return { created: !existing, team: toTeamView(team) };
  }

  async list(caller: Caller): Promise<CareTeamView[]> {
    return (await this.teams.list(caller.tenantId)).map(toTeamView);
  }
}
