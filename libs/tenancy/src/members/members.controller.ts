import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { PageQueryDto } from '../../../common/src/index.js';
import type { AuthUser } from '../../../identity/src/index.js';
import { P, RequirePermissions } from '../../../rbac/src/index.js';
import { TenantContext } from '../context/tenant-context.js';
import { TenantDto } from '../tenants/tenant.dto.js';
import { AddMemberDto, AddMemberResultDto, MemberDto, MemberListDto, TransferDto, UpdateMemberDto } from './member.dto.js';
import { MembersService } from './members.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });
const TenantParam = () => ApiParam({ name: 'tenant', description: 'tenant uuid or slug' });
const UserParam = () => ApiParam({ name: 'user_id', format: 'uuid', description: "the member's user id" });

@ApiTags('members')
@Controller('api/tenants')
export class MembersController {
  constructor(
    private readonly members: MembersService,
    private readonly context: TenantContext,
  ) {}

  @Get(':tenant/members')
  @RequirePermissions(P.MembersRead)
  @TenantParam()
  @ApiOkResponse({ type: MemberListDto })
  list(@Param('tenant') tenant: string, @Query() query: PageQueryDto): Promise<MemberListDto> {
    return this.members.list(tenant, query.skip, query.limit);
  }

  @Post(':tenant/members')
  @RequirePermissions(P.MembersWrite)
  @TenantParam()
  @ApiOperation({ summary: 'Add a user by email (an email without an account gets a pending invitation, mailed); respects max_members' })
  @ApiCreatedResponse({ type: AddMemberResultDto })
  add(@Param('tenant') tenant: string, @Body() dto: AddMemberDto, @Req() req: { user: AuthUser }): Promise<AddMemberResultDto> {
    return this.members.add(tenant, dto, this.context.scope, req.user);
  }

  @Post(':tenant/users')
  @RequirePermissions(P.MembersWrite)
  @TenantParam()
  @ApiOperation({ summary: 'Alias of POST /api/tenants/{tenant}/members' })
  @ApiCreatedResponse({ type: AddMemberResultDto })
  addAlias(@Param('tenant') tenant: string, @Body() dto: AddMemberDto, @Req() req: { user: AuthUser }): Promise<AddMemberResultDto> {
    return this.add(tenant, dto, req);
  }

  @Delete(':tenant/invitations/:invitation_id')
  @HttpCode(204)
  @RequirePermissions(P.MembersWrite)
  @TenantParam()
  @ApiParam({ name: 'invitation_id', format: 'uuid' })
  @ApiOperation({ summary: 'Revoke a pending invitation (its token stops working; its seat is freed); audited' })
  @ApiNoContentResponse()
  revokeInvitation(@Param('tenant') tenant: string, @Param('invitation_id', uuid) invitationId: string): Promise<void> {
    return this.members.revokeInvitation(tenant, invitationId);
  }

  @Patch(':tenant/members/:user_id')
  @RequirePermissions(P.MembersWrite)
  @TenantParam()
  @UserParam()
  @ApiOperation({ summary: "Change a member's role; the last owner cannot be demoted" })
  @ApiOkResponse({ type: MemberDto })
  update(@Param('tenant') tenant: string, @Param('user_id', uuid) userId: string, @Body() dto: UpdateMemberDto): Promise<MemberDto> {
    return this.members.setRole(tenant, userId, dto.role, this.context.scope);
  }

  @Delete(':tenant/members/:user_id')
  @HttpCode(204)
  @RequirePermissions(P.MembersWrite)
  @TenantParam()
  @UserParam()
  @ApiOperation({ summary: 'Remove a member (at once on every API process); the last owner cannot be removed' })
  @ApiNoContentResponse()
  remove(@Param('tenant') tenant: string, @Param('user_id', uuid) userId: string): Promise<void> {
    return this.members.remove(tenant, userId, this.context.scope);
  }

  @Post(':tenant/transfer')
  @HttpCode(200)
  @RequirePermissions(P.TenantsTransfer)
  @TenantParam()
  @ApiOperation({ summary: 'Transfer ownership to an active member; the old owner becomes admin' })
  @ApiOkResponse({ type: TenantDto })
  transfer(@Param('tenant') tenant: string, @Body() dto: TransferDto): Promise<TenantDto> {
    return this.members.transfer(tenant, dto.new_owner_id);
  }
}
