import { ApiProperty } from '@nestjs/swagger';
import type { CareTeamView } from '@vigil/contracts';

/** OpenAPI shape of a CareTeamView (@vigil/contracts). */
export class CareTeamViewDto implements CareTeamView {
  @ApiProperty() teamId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() registeredAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CareTeamsPageView {
  @ApiProperty({ type: CareTeamViewDto, isArray: true }) teams!: CareTeamViewDto[];
}
