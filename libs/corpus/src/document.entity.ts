import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A document of a tenant's corpus. No `schema:`: it lives in whatever tenant schema the unit of work selects. */
@Entity({ name: 'documents' })
export class DocumentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') title: string;
  @Column('text', { default: '' }) content: string;
  @Column('jsonb', { default: {} }) metadata: Record<string, unknown>;
  @Column('timestamptz', { name: 'created_at', default: () => 'now()' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' }) updatedAt: Date;
}
