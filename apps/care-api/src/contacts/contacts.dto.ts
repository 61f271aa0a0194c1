import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CONTACT_OUTCOMES, type ContactOutcome, type ContactPage, type ContactView as ContactViewContract } from '@vigil/contracts';
import { MAX_CURSOR_LENGTH } from '@vigil/http';

/**
 * A contact as care-api answers it. The shape is the contract's ContactView (libs/contracts
 * worklist-views.ts, what the dashboard reads); this class adds the OpenAPI description.
 */
export class ContactView implements ContactViewContract {
  @ApiProperty({ format: 'uuid' }) contactId!: string;
  @ApiProperty() patientId!: string;
  @ApiProperty({ description: "The patient's care team when the contact was logged" }) careTeamId!: string;
  @ApiProperty({ description: 'The user (token sub) who logged it' }) by!: string;
  @ApiProperty({ description: 'When it was logged (server time)' }) at!: string;
  @ApiProperty({ enum: CONTACT_OUTCOMES }) outcome!: ContactOutcome;
  @ApiPropertyOptional({ description: 'Free text (PHI: shown to the team, never logged)' }) note?: string;
  @ApiPropertyOptional({ description: 'The patient is snoozed on the worklist until then' }) nextContactAt?: string;
  @ApiProperty({ type: [String], description: 'Alerts resolved with this contact' }) resolvedAlertIds!: string[];
}

export class ContactPageView implements ContactPage {
  @ApiProperty({ type: [ContactView] }) items!: ContactView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass back as `cursor`; null at the end' }) nextCursor!: string | null;
}

/** Query of GET /v1/patients/{id}/contacts. */
export class ContactsQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({ description: '1 to 200, default 50' })
  @IsOptional()
  @Matches(/^\d{1,3}$/, { message: 'limit must be an integer from 1 to 200' })
  limit?: string;
}
