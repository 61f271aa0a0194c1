import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** A team's display name: printable, no control characters (it is shown on every dashboard). */
export const TEAM_NAME_PATTERN = /^[^\p{Cc}\p{Cf}]+$/u;
export const TEAM_NAME_MAX_LENGTH = 100;

/** Body of `PUT /v1/teams/{teamId}` (role care-admin, a team the token holds). */
export class CareTeamDto {
  @ApiProperty({ description: 'Display name of the team', maxLength: TEAM_NAME_MAX_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(TEAM_NAME_MAX_LENGTH)
  @Matches(TEAM_NAME_PATTERN, { message: 'must be printable text' })
  name!: string;
}

/** A registered care team as care-api answers it (`GET /v1/teams`, `PUT /v1/teams/{teamId}`). */
export interface CareTeamView {
  teamId: string;
  name: string;
  registeredAt: string;
  updatedAt: string;
}
