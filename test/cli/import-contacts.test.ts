import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-server/cli/csv-read.js';
import { readContactCsv } from '../../src-server/cli/import-contacts.js';

describe('CSV import reader (R4 bulk)', () => {
  it('reads RFC 4180: quotes, doubled quotes, CRLF, line breaks inside cells, a BOM, blank lines', () => {
    const text = '\uFEFFa,b\r\n"x, ""y""","multi\nline"\r\n\r\nlast,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, "y"', 'multi\nline'] },
      { line: 5, cells: ['last', ''] },
    ]);
  });

  it('R4: checks every row and reports each problem with its line number', () => {
    const text = [
      'username,email,mobilePhone,officePhone',
      'alice,alice.home@example.net,+81 9012345678,',
      '山田太郎,,+819012345679,+81 312345678',
      'bob,not-an-email,+81-90,',
      ',,+81 9000000000,',
      'carol,,,',
      'ALICE,,+81 9000000001,',
      'dave,-,-,-',
      'erin,a@b.example',
    ].join('\r\n');
    const { rows, errors } = readContactCsv(text);
    expect(rows).toEqual([
      { line: 2, username: 'alice', methods: { email: 'alice.home@example.net', mobilePhone: '+81 9012345678' } },
      { line: 3, username: '山田太郎', methods: { mobilePhone: '+819012345679', officePhone: '+81 312345678' } },
      { line: 8, username: 'dave', methods: { email: null, mobilePhone: null, officePhone: null } },
    ]);
    expect(errors).toEqual([
      { line: 4, message: 'email "not-an-email" is not an email address' },
      { line: 4, message: 'mobilePhone "+81-90" is not E.164 (e.g. +81 9012345678)' },
      { line: 5, message: 'username is empty' },
      { line: 6, message: 'nothing to set for "carol"' },
      { line: 7, message: 'user "ALICE" is already on line 2' },
      { line: 9, message: 'expected 4 cells, found 2' },
    ]);
  });

  it('accepts any subset and order of the columns, but not unknown ones', () => {
    expect(readContactCsv('mobilePhone,username\n+81 9012345678,alice\n').rows).toEqual([{ line: 2, username: 'alice', methods: { mobilePhone: '+81 9012345678' } }]);
    expect(readContactCsv('username,phone\nalice,+81 9012345678\n').errors[0]).toEqual({ line: 1, message: 'the header must be username plus any of email,mobilePhone,officePhone (got "username,phone")' });
    expect(readContactCsv('').errors[0]!.message).toMatch(/empty/);
    expect(readContactCsv('username,email\n"alice,x@y.z\n').errors[0]).toEqual({ line: 2, message: 'a quoted cell is not closed' });
  });
});
