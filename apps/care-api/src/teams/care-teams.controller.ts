import { Body, Controller, Get, Param, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import { CareTeamDto, type CareTeamView, type VigilClaims } from '@vigil/contracts';
import { callerOf } from '../common/caller';
import { CareTeamsPageView, CareTeamViewDto } from './care-teams.dto';
import { CareTeamsService } from './care-teams.service';

@ApiTags('teams')
@ApiBearerAuth()
@Roles('care-manager', 'care-admin')
@Controller('v1/teams')
export class CareTeamsController {
  constructor(private readonly teams: CareTeamsService) {}

  @Get()
  @ApiOperation({ summary: "Your organisation's registered care teams (patients can be enrolled only into these)" })
  @ApiOkResponse({ type: CareTeamsPageView })
  async list(@Claims() claims: VigilClaims, @Req() req: FastifyRequest): Promise<{ teams: CareTeamView[] }> {
    return { teams: await this.teams.list(callerOf(claims, req)) };
  }

  @Put(':teamId')
  @Roles('care-admin')
  @ApiOperation({ summary: 'Register or rename a care team of your organisation: only a team your token holds' })
  @ApiCreatedResponse({ type: CareTeamViewDto, description: 'Registered' })
  @ApiOkResponse({ type: CareTeamViewDto, description: 'Renamed, or unchanged' })
  async put(
    @Claims() claims: VigilClaims,
    @Req() req: FastifyRequest,
    @Param('teamId') teamId: string,
    @Body() body: CareTeamDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CareTeamView> {
    const result = await this.teams.register(callerOf(claims, req), teamId, body);
    void reply.status(result.created ? 201 : 200);
    return result.team;
  }
}
