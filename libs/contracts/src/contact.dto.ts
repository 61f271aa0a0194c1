import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { CONTACT_OUTCOMES, type ContactOutcome } from './care-activity.events';
import { ID_PATTERN } from './patient.dto';

/** Body of `POST /v1/patients/{id}/contacts` (role care-manager). */
export class ContactCreateDto {
  @ApiProperty({ enum: CONTACT_OUTCOMES, description: 'reached, no-answer, message-left or escalated' })
  @IsIn(CONTACT_OUTCOMES)
  outcome!: ContactOutcome;

  @ApiPropertyOptional({ maxLength: 2000, description: 'Free text for the team (PHI: stored and shown, never logged)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;

  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, in the future and at most 90 days ahead: the patient is snoozed on the worklist until then, unless something new and worse arrives',
    example: '2026-12-10T09:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  nextContactAt?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 20,
    description: "Open or acknowledged alerts of this patient to resolve with this contact (the contact's note goes with them)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true })
  @MaxLength(128, { each: true })
  resolveAlertIds?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Made by the client for safe retries: the same id again answers the stored contact and logs nothing new',
  })
  @IsOptional()
  @IsUUID()
  contactId?: string;
}
