import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONDITIONS, type Condition } from '@vigil/contracts';

/** A patient profile as care-api answers it (the PatientProfile of @vigil/contracts). */
export class PatientView {
  @ApiProperty() patientId!: string;
  @ApiProperty() careTeamId!: string;
  @ApiProperty({ enum: CONDITIONS, isArray: true }) conditions!: Condition[];
  @ApiPropertyOptional() dryWeightKg?: number;
  @ApiProperty({ enum: [1, 2] }) news2SpO2Scale!: 1 | 2;
  @ApiProperty() expectedCheckInIntervalHours!: number;
  @ApiProperty({ enum: ['active', 'discharged'] }) status!: 'active' | 'discharged';
  @ApiProperty({ description: 'Server time of the last change' }) updatedAt!: string;
}
