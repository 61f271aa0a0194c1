import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Claims, Roles } from '@vigil/auth';
import { ContactCreateDto, type VigilClaims } from '@vigil/contracts';
import { callerOf, routeOf } from '../common/caller';
import { validQuery } from '../common/query';
import { ContactPageView, ContactsQueryDto, ContactView } from './contacts.dto';
import { ContactsService } from './contacts.service';

// Both roles, like acknowledge / resolve: a contact can resolve alerts, the same write.
@ApiTags('contacts')
@ApiBearerAuth()
@Roles('care-manager', 'care-admin')
@Controller('v1/patients')
export class ContactsController {
  constructor(@Inject(ContactsService) private readonly contacts: ContactsService) {}

  @Post(':id/contacts')
  @ApiOperation({
    summary:
      "Log a contact with a patient of your teams: outcome, note (PHI), optional next contact (snoozes the patient on the worklist, future, at most 90 days) and this patient's " +
      'unresolved alerts to resolve with its note (any other id: 400, nothing done). Emits contact.logged on care-activity.v1. ' +
      'Send a contactId (UUID) for safe retries: the same contactId with the same body again answers 200 with the stored contact, with another body 409.',
  })
  @ApiBody({ type: ContactCreateDto })
  @ApiHeader({ name: 'x-request-id', required: false })
  @ApiCreatedResponse({ type: ContactView, description: 'Logged' })
  @ApiOkResponse({ type: ContactView, description: 'Logged before with this contactId: the stored contact' })
  async create(
    @Claims() claims: VigilClaims,
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ContactView> {
    const result = await this.contacts.create(callerOf(claims, req), id, body, routeOf(req));
    void reply.status(result.created ? 201 : 200);
    return result.contact;
  }

  @Get(':id/contacts')
  @ApiOperation({ summary: "A patient's contact log, newest first, cursor-paged (audited)" })
  @ApiOkResponse({ type: ContactPageView })
  list(@Claims() claims: VigilClaims, @Req() req: FastifyRequest, @Param('id') id: string, @Query() query: ContactsQueryDto): Promise<ContactPageView> {
    return this.contacts.list(callerOf(claims, req), id, validQuery(ContactsQueryDto, query), routeOf(req));
  }
}
